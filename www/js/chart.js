// chart.js — the page's charts in one import. The code lives by concern:
//
//   chart-math.js    smoothing (ema, Smoother), ticks, ranges, number labels — pure
//   chart-series.js  SeriesData: one series' finite points, smoothed, decimated — pure
//   canvas.js        canvas helpers shared with the bars and the drawing pad
//   chart-paint.js   paintChart: draws one chart (axes, overlays, series) once
//   line-chart.js    LineChart: the live chart (series, overlays, redraw timing, aria)
//
// Modules that import from here keep working; new code may import from the
// module it needs.

export { Smoother, ema, extent, formatNumber, isDrawable, niceTicks, tickFormatter } from './chart-math.js';
export { SeriesData } from './chart-series.js';
export { applySize, cssColor, displaySize, onColorSchemeChange, prefersDark } from './canvas.js';
export { PALETTE, paintChart } from './chart-paint.js';
export { LineChart } from './line-chart.js';
