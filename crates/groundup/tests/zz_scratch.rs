#[test]
fn scratch() {
    let spec = groundup::presets::preset("cnn").unwrap().spec;
    let mut r = <rand::rngs::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(1);
    let net = groundup::Network::<f32>::new(&spec, &mut r).unwrap();
    let a = groundup::model_io::to_safetensors(&net);
    let b = groundup::model_io::to_safetensors(&net);
    let n = u64::from_le_bytes(a[..8].try_into().unwrap()) as usize;
    println!("{}", String::from_utf8_lossy(&a[8..8+n.min(400)]));
    let n = u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
    println!("{}", String::from_utf8_lossy(&b[8..8+n.min(400)]));
    assert_eq!(a, b);
}
