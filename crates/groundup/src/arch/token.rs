//! Reading the text of an architecture, token by token (the grammar is in
//! `mod.rs`). Only the syntax and the size of the numbers are checked
//! here; whether the stack can run is `check.rs`'s. The tokens are counted
//! before any is kept, so a text of ten thousand layers allocates nothing.

use std::collections::HashMap;

use super::{ArchError, MAX_LAYERS, MAX_TEXT};
use crate::layers::Padding;
use crate::loss::Objective;
use crate::{Init, LayerSpec};

pub(super) const DEFAULT_ALPHA: f64 = 0.01;
/// Larger numbers are refused as text; smaller ones by the stack's checks,
/// which say what the most is (a dense layer of 10⁹ units gets its weight count).
const MAX_NUMBER: u64 = 1_000_000_000;

pub(super) fn read(text: &str) -> Result<(Vec<LayerSpec>, Objective), ArchError> {
    if text.is_empty() {
        return Err(ArchError::whole("arch", "the architecture is empty"));
    }
    if text.len() > MAX_TEXT {
        return Err(ArchError::whole(
            "arch",
            format!("the architecture is {} characters long; the most is {MAX_TEXT}", text.len()),
        ));
    }
    if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c))) {
        return Err(ArchError::whole(
            "arch",
            format!("the architecture has a {bad:?}; it is written with letters, digits, '-', '_' and '.'"),
        ));
    }
    // One more than the layers, for the objective.
    let tokens = text.split('-').count();
    if tokens > MAX_LAYERS + 1 {
        return Err(ArchError::whole(
            "layers",
            format!("the architecture has {tokens} parts; a network has at most {MAX_LAYERS} layers"),
        ));
    }
    let mut objective = Objective::SoftmaxCrossEntropy;
    let mut layers = Vec::with_capacity(tokens);
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for (position, token) in text.split('-').enumerate() {
        let last = position + 1 == tokens;
        match token {
            "softmax" | "squares" if last && position > 0 => {
                if token == "squares" {
                    objective = Objective::SigmoidSumOfSquares;
                }
                continue;
            }
            "softmax" | "squares" => {
                return Err(ArchError::whole(
                    "objective",
                    format!("the objective {token:?} must come last, after the layers"),
                ));
            }
            _ => {}
        }
        let base = base_of(token).ok_or_else(|| {
            ArchError::whole(
                "arch",
                format!(
                    "part {} ({token:?}) is not a layer: use conv, pool, dense, relu, lrelu, sigmoid or flatten",
                    position + 1
                ),
            )
        })?;
        let n = counts.entry(base).or_insert(0);
        *n += 1;
        let name = if base == "flatten" { base.to_owned() } else { format!("{base} {n}") };
        let index = layers.len();
        let refuse = |field: &str, what: String| {
            ArchError::at(index, &name, field, format!("{name} ({token:?}): {what}"))
        };
        layers.push(layer(token, &refuse)?);
    }
    Ok((layers, objective))
}

/// The layer's base name as `inspect::layer_names` writes it.
fn base_of(token: &str) -> Option<&'static str> {
    let head = token.split('_').next().unwrap_or("");
    let word: String = head.chars().take_while(|c| c.is_ascii_lowercase()).collect();
    Some(match word.as_str() {
        "conv" => "conv",
        "dense" => "dense",
        "pool" => "pool",
        "relu" => "ReLU",
        "lrelu" => "leaky ReLU",
        "sigmoid" => "sigmoid",
        "flatten" => "flatten",
        _ => return None,
    })
}

type Refuse<'a> = dyn Fn(&str, String) -> ArchError + 'a;

fn layer(token: &str, refuse: &Refuse) -> Result<LayerSpec, ArchError> {
    let mut parts = token.split('_');
    let head = parts.next().unwrap_or("");
    let options: Vec<&str> = parts.collect();
    let no_options = |layer: LayerSpec| {
        if options.is_empty() {
            Ok(layer)
        } else {
            Err(refuse("arch", "this layer takes no options after '_'".to_owned()))
        }
    };
    if let Some(rest) = head.strip_prefix("conv") {
        let (filters, kernel) = rest
            .split_once('k')
            .ok_or_else(|| refuse("kernel", "write filters and kernel as conv8k5".to_owned()))?;
        let filters = number(filters, "filters", refuse)?;
        let kernel = number(kernel, "kernel", refuse)?;
        let (padding, bias, init) = weight_options(&options, true, Init::He, refuse)?;
        Ok(LayerSpec::Conv2d { filters, kernel, padding, bias, init })
    } else if let Some(rest) = head.strip_prefix("dense") {
        let units = number(rest, "units", refuse)?;
        let (_, bias, init) = weight_options(&options, false, Init::Glorot, refuse)?;
        Ok(LayerSpec::Dense { units, bias, init })
    } else if let Some(rest) = head.strip_prefix("pool") {
        let size = if rest.is_empty() { 2 } else { number(rest, "size", refuse)? };
        no_options(LayerSpec::MaxPool2d { size })
    } else if let Some(rest) = head.strip_prefix("lrelu") {
        let alpha = if rest.is_empty() { DEFAULT_ALPHA } else { decimal(rest, refuse)? };
        no_options(LayerSpec::LeakyRelu { alpha })
    } else {
        match head {
            "relu" => no_options(LayerSpec::Relu),
            "sigmoid" => no_options(LayerSpec::Sigmoid),
            "flatten" => no_options(LayerSpec::Flatten),
            _ => Err(refuse("arch", "is not a layer".to_owned())),
        }
    }
}

fn weight_options(
    options: &[&str],
    conv: bool,
    default_init: Init,
    refuse: &Refuse,
) -> Result<(Padding, bool, Init), ArchError> {
    let (mut padding, mut bias, mut init) = (Padding::Same, true, default_init);
    for option in options {
        match *option {
            "valid" if conv => padding = Padding::Valid,
            "nobias" => bias = false,
            "he" => init = Init::He,
            "glorot" => init = Init::Glorot,
            "normal" => init = Init::StandardNormal,
            other => {
                let known =
                    if conv { "valid, nobias, he, glorot or normal" } else { "nobias, he, glorot or normal" };
                return Err(refuse("arch", format!("unknown option {other:?}; use {known}")));
            }
        }
    }
    Ok((padding, bias, init))
}

fn number(digits: &str, field: &str, refuse: &Refuse) -> Result<usize, ArchError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(field, format!("{field} {digits:?} is not a whole number")));
    }
    match digits.parse::<u64>() {
        Ok(n) if n <= MAX_NUMBER => {
            usize::try_from(n).map_err(|_| refuse(field, format!("{field} {n} is too large")))
        }
        _ => Err(refuse(field, format!("{field} {digits} is too large"))),
    }
}

fn decimal(text: &str, refuse: &Refuse) -> Result<f64, ArchError> {
    let valid =
        text.bytes().all(|b| b.is_ascii_digit() || b == b'.') && text.bytes().any(|b| b.is_ascii_digit());
    match text.parse::<f64>() {
        Ok(alpha) if valid && alpha.is_finite() => Ok(alpha),
        _ => Err(refuse("alpha", format!("alpha {text:?} is not a number such as 0.01"))),
    }
}
