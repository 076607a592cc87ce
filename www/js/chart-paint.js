// chart-paint.js — draws one line chart on a canvas, once: the title and the
// series' names, the axes with round ticks, the muted curves of earlier runs
// (overlays), then the live series on top. `LineChart` (line-chart.js)
// decides when; this file only knows how. Nothing here keeps state.

import { applySize, cssColor, displaySize } from './canvas.js';
import { extent, niceTicks, tickFormatter } from './chart-math.js';

/** Colours for series that don't name one: mid-tones readable on light and dark. */
export const PALETTE = ['#3b82f6', '#f97316', '#22c55e', '#a855f7', '#ef4444'];

const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';
// A run kept for comparison: thinner than the live series and slightly faded,
// so the current run reads as the one on top.
const OVERLAY_WIDTH = 1.5;
const OVERLAY_ALPHA = 0.85;
// Fewer points than this would be invisible as a line alone (a test accuracy per epoch): dots too.
const DOTS_BELOW = 40;

/**
 * Draws `chart` on `canvas` at its CSS size and the device pixel ratio.
 *
 * `chart`: `{ title, yLabel, xLabel, yMin, yMax, series, overlays }` where
 * `series` lists `{ name, color, smoothing, data }` (data: a SeriesData) and
 * `overlays` lists `{ name, color, dash, data }`: earlier runs, drawn muted
 * and dashed (`dash`: a canvas line-dash pattern in CSS px) as their smoothed
 * line, under the series and without a place in the canvas's own legend.
 * Colours may be CSS colours or custom properties ("var(--accent)").
 */
export function paintChart(canvas, g, chart) {
  const size = displaySize(canvas);
  applySize(canvas, size);
  const { ratio } = size;
  const width = canvas.width / ratio; // CSS pixels from here on
  const height = canvas.height / ratio;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  const small = width < 420; // phones: tighter type
  const style = {
    text: cssColor(canvas, '--chart-text', getComputedStyle(canvas).color || '#000'),
    grid: cssColor(canvas, '--chart-grid', null),
    tickFont: `${small ? 10 : 11}px ${FONT}`,
    titleFont: `600 ${small ? 13 : 14}px ${FONT}`,
  };
  const colorOf = (color) => cssColor(canvas, color, PALETTE[0]);
  const overlays = chart.overlays ?? [];

  const top = paintHeader(g, chart, style, width, colorOf);

  // Ranges: x over all data, y fixed where given, else rounded out to ticks.
  const xs = [];
  const ys = [];
  for (const { data } of chart.series) {
    data.forEach((x, y, smoothed) => {
      xs.push(x);
      ys.push(y, smoothed);
    });
  }
  for (const { data } of overlays) {
    data.forEach((x, y, smoothed) => {
      xs.push(x);
      ys.push(drawnValue(data, y, smoothed));
    });
  }
  const hasData = xs.length > 0;
  const xRange = extent(xs) ?? [0, 1];
  if (xRange[0] === xRange[1]) xRange[1] = xRange[0] + 1;

  // Plot area, top to bottom first: the height decides how many y ticks fit.
  const plot = { top: top + 4, bottom: height - 22, left: 0, right: width - 10 };
  const yTickCount = Math.max(2, Math.floor((plot.bottom - plot.top) / 36));
  const yData = extent(ys) ?? [0, 1];
  let yTicks = niceTicks(chart.yMin ?? yData[0], chart.yMax ?? yData[1], yTickCount);
  const yRange = [chart.yMin ?? yTicks[0], chart.yMax ?? yTicks.at(-1)];
  if (yRange[0] === yRange[1]) yRange[1] = yRange[0] + 1;
  yTicks = yTicks.filter((t) => t >= yRange[0] - 1e-9 && t <= yRange[1] + 1e-9);

  // Then left to right: room for the y tick labels (and the rotated y label).
  g.font = style.tickFont;
  const formatY = tickFormatter(yTicks);
  const yTickWidth = Math.max(...yTicks.map((t) => g.measureText(formatY(t)).width), 0);
  plot.left = 8 + (chart.yLabel ? 16 : 0) + yTickWidth + 6;
  if (plot.right - plot.left < 20 || plot.bottom - plot.top < 20) return; // too small to draw
  const toPixel = {
    x: (x) => plot.left + ((x - xRange[0]) / (xRange[1] - xRange[0])) * (plot.right - plot.left),
    y: (y) => plot.bottom - ((y - yRange[0]) / (yRange[1] - yRange[0])) * (plot.bottom - plot.top),
  };

  paintAxes(g, chart, style, plot, { yTicks, formatY, xRange, hasData }, toPixel);

  if (!hasData) {
    g.globalAlpha = 0.6;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText('No data yet', (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2);
    g.globalAlpha = 1;
    return;
  }

  // The lines, clipped to the plot so a fixed y range can't spill over.
  g.save();
  g.beginPath();
  g.rect(plot.left - 4, plot.top - 4, plot.right - plot.left + 8, plot.bottom - plot.top + 8); // room for dots at the edges
  g.clip();
  g.lineJoin = 'round';
  g.lineCap = 'round';
  for (const overlay of overlays) paintOverlay(g, overlay, colorOf(overlay.color), toPixel);
  for (const series of chart.series) paintSeries(g, series, colorOf(series.color), toPixel);
  g.restore();
}

// The value an overlay draws at a point: its smoothed value if it is smoothed.
const drawnValue = (data, y, smoothed) => (data.smoothing > 0 ? smoothed : y);

/** Title, then the series' names (on the title's line if they fit); returns where the plot may start. */
function paintHeader(g, chart, style, width, colorOf) {
  let top = 4;
  g.textBaseline = 'top';
  g.fillStyle = style.text;
  g.font = style.titleFont;
  g.textAlign = 'left';
  if (chart.title) g.fillText(chart.title, 8, top);
  const titleWidth = chart.title ? g.measureText(chart.title).width + 16 : 0;
  g.font = style.tickFont;
  const legend = chart.series.map((series) => ({ series, width: 14 + 4 + g.measureText(series.name).width }));
  const legendWidth = legend.reduce((sum, item) => sum + item.width + 12, 0);
  let legendX = width - 8 - legendWidth + 12;
  if (legendX < 8 + titleWidth) {
    top += chart.title ? 20 : 0;
    legendX = 8;
  }
  for (const { series, width: itemWidth } of legend) {
    g.strokeStyle = colorOf(series.color);
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(legendX, top + 7);
    g.lineTo(legendX + 14, top + 7);
    g.stroke();
    g.fillStyle = style.text;
    g.fillText(series.name, legendX + 18, top + 2);
    legendX += itemWidth + 12;
  }
  return top + 22;
}

/** Grid, tick labels, the axes and their names. */
function paintAxes(g, chart, style, plot, { yTicks, formatY, xRange, hasData }, toPixel) {
  g.lineWidth = 1;
  g.strokeStyle = style.grid ?? style.text;
  g.globalAlpha = style.grid ? 1 : 0.15;
  g.beginPath();
  for (const t of yTicks) {
    const y = Math.round(toPixel.y(t)) + 0.5; // half-pixel: a crisp 1 px line
    g.moveTo(plot.left, y);
    g.lineTo(plot.right, y);
  }
  g.stroke();
  g.globalAlpha = 1;

  g.fillStyle = style.text;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const t of yTicks) g.fillText(formatY(t), plot.left - 6, toPixel.y(t));

  // The x axis is named at its right end ("step"); tick labels that would
  // run into that name (or off the canvas) are left out.
  g.textBaseline = 'top';
  g.textAlign = 'right';
  g.globalAlpha = 0.7;
  g.fillText(chart.xLabel, plot.right, plot.bottom + 5);
  g.globalAlpha = 1;
  if (hasData) {
    const labelStart = plot.right - g.measureText(chart.xLabel).width - 8;
    const xTicksAll = niceTicks(xRange[0], xRange[1], Math.max(2, Math.floor((plot.right - plot.left) / 70)));
    const formatX = tickFormatter(xTicksAll); // decimals from the whole step, before filtering
    g.textAlign = 'center';
    for (const t of xTicksAll) {
      if (t < xRange[0] || t > xRange[1]) continue;
      const text = formatX(t);
      const x = toPixel.x(t);
      if (x + g.measureText(text).width / 2 > labelStart) continue;
      g.fillText(text, x, plot.bottom + 5);
    }
  }

  g.strokeStyle = style.text;
  g.globalAlpha = 0.5;
  g.beginPath();
  g.moveTo(plot.left + 0.5, plot.top);
  g.lineTo(plot.left + 0.5, plot.bottom + 0.5);
  g.lineTo(plot.right, plot.bottom + 0.5);
  g.stroke();
  g.globalAlpha = 1;

  // The y axis's name, rotated along the left edge.
  if (chart.yLabel) {
    g.save();
    g.translate(10, (plot.top + plot.bottom) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(chart.yLabel, 0, 0);
    g.restore();
  }
}

/** A live series: raw values faint under a smoothed line, or bold on their own. */
function paintSeries(g, { data, smoothing }, color, toPixel) {
  if (data.length === 0) return;
  g.strokeStyle = color;
  g.fillStyle = color;
  const smoothed = smoothing > 0;
  traceLine(g, data, (x, y) => [toPixel.x(x), toPixel.y(y)], smoothed ? 1 : 2, smoothed ? 0.25 : 1);
  if (smoothed) traceLine(g, data, (x, _y, s) => [toPixel.x(x), toPixel.y(s)], 2, 1);
  if (data.length < DOTS_BELOW) paintDots(g, data, (x, y) => [toPixel.x(x), toPixel.y(y)], 2.5);
}

/** An earlier run: one thin dashed line, its smoothed values if it has them. */
function paintOverlay(g, { data, dash }, color, toPixel) {
  if (data.length === 0) return;
  const project = (x, y, s) => [toPixel.x(x), toPixel.y(drawnValue(data, y, s))];
  g.strokeStyle = color;
  g.fillStyle = color;
  g.setLineDash(Array.isArray(dash) ? dash : []);
  traceLine(g, data, project, OVERLAY_WIDTH, OVERLAY_ALPHA);
  g.setLineDash([]);
  if (data.length < DOTS_BELOW) {
    g.globalAlpha = OVERLAY_ALPHA;
    paintDots(g, data, project, 1.75);
    g.globalAlpha = 1;
  }
}

function paintDots(g, data, project, radius) {
  data.forEach((x, y, s) => {
    const [px, py] = project(x, y, s);
    g.beginPath();
    g.arc(px, py, radius, 0, 2 * Math.PI);
    g.fill();
  });
}

/**
 * Strokes `data` through `project(x, y, smoothed) → [px, py]`.
 *
 * Thousands of steps land on a few hundred pixel columns: per column, the
 * path visits where the line enters, its lowest and highest point and where
 * it leaves. The picture is the same; the path is a fraction as long, and
 * the page's thread (which shares the cores with training) draws it in a
 * fraction of the time.
 */
function traceLine(g, data, project, lineWidth, alpha) {
  g.lineWidth = lineWidth;
  g.globalAlpha = alpha;
  g.beginPath();
  let column = null;
  let enter = 0;
  let low = 0;
  let high = 0;
  let leave = 0;
  const flush = () => {
    g.lineTo(column, enter);
    if (low !== enter) g.lineTo(column, low);
    if (high !== low) g.lineTo(column, high);
    if (leave !== high) g.lineTo(column, leave);
  };
  data.forEach((x, y, smoothed) => {
    const [px, py] = project(x, y, smoothed);
    const c = Math.round(px);
    if (c !== column) {
      if (column === null) g.moveTo(c, py);
      else flush();
      column = c;
      enter = low = high = py;
    }
    low = Math.min(low, py);
    high = Math.max(high, py);
    leave = py;
  });
  if (column !== null) flush();
  g.stroke();
  g.globalAlpha = 1;
}
