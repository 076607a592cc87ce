// The training worker's own-data requests: the reader's CSV files in
// (`useOwnData`), MNIST back (`backToMnist`). The session (Rust) reads the
// files, sets MNIST and the network on it aside and brings them back; the
// worker only reports. MNIST stays in the worker's memory meanwhile (chunks
// still arriving join it there), so going back downloads nothing.
//
// Loading own data stops training: the new network is a new run, and the
// state machine's reset (worker-machine.js) puts the worker in `idle`. A
// file that is refused changes nothing, not even a run in progress.

import { errorText, isFatal, post, w } from './worker-context.js';
import { evaluate, gallery } from './worker-evaluation.js';

/** The error a refused file gave, as the page shows it. */
function failure(e) {
  return {
    message: errorText(e),
    kind: e?.kind ?? 'internal',
    ...(e?.file ? { file: e.file } : {}),
    ...(Number.isInteger(e?.line) ? { line: e.line } : {}),
    ...(Number.isInteger(e?.column) ? { column: e.column } : {}),
  };
}

/** The handlers, given worker.js's `newNetwork(source)`. */
export function ownDataHandlers({ newNetwork }) {
  return {
    useOwnData({ files }) {
      let view;
      try {
        view = w.trainer.useOwnData(files, (file, rows) => post('ownDataProgress', { file, rows }));
      } catch (e) {
        if (isFatal(e)) throw e; // the worker's error path ends it
        post('ownDataFailed', failure(e));
        return;
      }
      newNetwork('own-data');
      post('ownData', view);
      evaluate(true, () => gallery(true));
    },
    backToMnist() {
      w.trainer.backToMnist();
      newNetwork('restored');
      post('backOnMnist', { trainSize: w.trainer.trainSize, testSize: w.trainer.testSize });
      evaluate(true, () => gallery(true));
    },
  };
}
