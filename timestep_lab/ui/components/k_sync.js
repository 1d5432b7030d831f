// k between the page's browser views and Python (mirrors timestep_lab/ui/components/k_sync.py).
//
// Notation (shared NOTATION.md):
//   k  — the timestep a view shows, 0 … T−1 (URL key `k`)
//
// Every view that lets a learner move k announces each new value on the page as a
// `timestep-lab:k` event: {k, source, commit}. `commit` is true when a gesture ends (pointer
// released, keys idle, play stopped). Views follow every announcement at once, in the
// browser; this bridge sends only committed values to Python (setStateValue), whose callback
// reruns the k control's fragment and the parts of the page Python draws from k (not the
// page: the views are not sent again).
// The views' K_EVENT (views_common.js; a test checks they agree), written out here: this
// bridge is sent again with every commit, so it does not carry the views' shared code.
export const K_EVENT = "timestep-lab:k";

const instances = new WeakMap();

export default function ({ data, parentElement, setStateValue }) {
  let state = instances.get(parentElement);
  if (!state) {
    // sent: committed values Python has not drawn yet (oldest first)
    state = { k: data.k, send: setStateValue, sent: [], count: 0 };
    state.listener = (event) => {
      const { k, commit } = event.detail;
      if (!commit || !Number.isInteger(k) || k === state.k) return;
      state.k = k;
      state.sent.push(k);
      // a new value on every commit (n), so the same k committed twice still reaches Python
      state.count += 1;
      state.send("k", { k, n: `${Date.now()}-${state.count}` });
    };
    window.addEventListener(K_EVENT, state.listener);
    instances.set(parentElement, state);
  }
  state.send = setStateValue;
  const echo = state.sent.indexOf(data.k);
  if (echo >= 0) {
    // Python drew a k this bridge sent; the views are there already, or at a newer one.
    state.sent.splice(0, echo + 1);
  } else {
    state.sent = []; // Python moved k itself: older commits will not come back
  }
  if (echo < 0 && data.k !== state.k) {
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
