// k between the page's browser views and Python (mirrors timestep_lab/ui/components/k_sync.py).
//
// Notation (shared NOTATION.md):
//   k  — the timestep a view shows, 0 … T−1 (URL key `k`)
//
// Every view that lets a learner move k announces each new value on the page as a
// `timestep-lab:k` event: {k, source, commit}. `commit` is true when a gesture ends (pointer
// released, keys idle, play stopped). Views follow every announcement at once, in the
// browser; this bridge sends only committed values to Python (setStateValue), which reruns
// the fragment holding the k control, so the slider, the URL and the link follow.
export const K_EVENT = "timestep-lab:k";

const instances = new WeakMap();

export default function ({ data, parentElement, setStateValue }) {
  let state = instances.get(parentElement);
  if (!state) {
    state = { k: data.k, send: setStateValue };
    state.listener = (event) => {
      const { k, commit } = event.detail;
      if (!commit || !Number.isInteger(k) || k === state.k) return;
      state.k = k;
      state.send("k", k);
    };
    window.addEventListener(K_EVENT, state.listener);
    instances.set(parentElement, state);
  }
  state.send = setStateValue;
  if (data.k !== state.k) {
    // Python moved k (the slider, a link): tell the views, which follow without a rerun.
    state.k = data.k;
    window.dispatchEvent(
      new CustomEvent(K_EVENT, { detail: { k: data.k, source: "python", commit: false } }),
    );
  }
  parentElement.host?.setAttribute?.("data-k", String(state.k));
  return () => {
    window.removeEventListener(K_EVENT, state.listener);
    instances.delete(parentElement);
  };
}
