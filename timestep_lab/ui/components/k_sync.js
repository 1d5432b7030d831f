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
// Python has drawn a committed k (the k control's fragment reran). A second bridge beside the
// "Copy link" popover (role "link") commits on this, after the first: Streamlit runs one
// fragment rerun at a time, so two asked at the same moment would lose one.
export const K_CONFIRMED = "timestep-lab:k-confirmed";

const instances = new WeakMap();

export default function ({ data, parentElement, setStateValue }) {
  let state = instances.get(parentElement);
  if (!state) {
    state = { k: data.k, dataK: data.k, send: setStateValue, link: data.role === "link" };
    const send = (k) => {
      if (!Number.isInteger(k) || k === state.k) return;
      state.k = k;
      state.send("k", k);
    };
    state.listener = (event) => {
      const { k, commit } = event.detail;
      // The link's bridge waits a moment: after a whole-page rerun its own new data arrive
      // with the same k, and then there is nothing to send.
      if (state.link) setTimeout(() => send(k), 50);
      else if (commit) send(k);
    };
    state.event = state.link ? K_CONFIRMED : K_EVENT;
    window.addEventListener(state.event, state.listener);
    instances.set(parentElement, state);
  }
  state.send = setStateValue;
  if (state.link) state.k = data.k;
  const confirmed = data.k !== state.dataK;
  state.dataK = data.k;
  if (confirmed && !state.link) {
    window.dispatchEvent(new CustomEvent(K_CONFIRMED, { detail: { k: data.k } }));
  }
  if (data.k !== state.k && !state.link) {
    // Python moved k (the slider, a link): tell the views, which follow without a rerun.
    state.k = data.k;
    window.dispatchEvent(
      new CustomEvent(K_EVENT, { detail: { k: data.k, source: "python", commit: false } }),
    );
  }
  parentElement.host?.setAttribute?.("data-k", String(state.k));
  return () => {
    window.removeEventListener(state.event, state.listener);
    instances.delete(parentElement);
  };
}
