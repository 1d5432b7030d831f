"""Many students on one server: each session keeps its own view (protocol-level, real server)."""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

from benchmarks.streamlit_client import Session


def shown_k(result) -> int:
    """The k the page's server-drawn text quotes (section 7's caption: "… k = 123 has ᾱ = …").

    The views of P(k) are drawn in the browser; this sentence is the server's own copy of k
    (at T = 1000 it quotes k itself: it compares T with 4·T).
    """
    quoted = [re.search(r"\bk = (\d+) has ᾱ", text) for text in result.texts]
    (k,) = {int(match.group(1)) for match in quoted if match}
    return k


async def two_students(url: str) -> None:
    async with Session(url) as alice, Session(url) as bob:
        # the tab whose section 7 quotes k
        await alice.open("encoding", "tab=Why+sinusoids&k=123")
        await bob.open("encoding", "tab=Why+sinusoids&k=456")
        moved = await alice.set("k", 124)
        assert shown_k(moved) == 124
        # Bob's next rerun (another control) still shows his own k, not Alice's.
        shown = await bob.set("layout", "ddpm")
        assert shown_k(shown) == 456
        # Both move at the same moment: each sees only their own value.
        a, b = await asyncio.gather(alice.set("k", 7), bob.set("k", 900))
        assert shown_k(a) == 7
        assert shown_k(b) == 900
        # A newcomer gets the defaults, not what the others chose.
        async with Session(url) as carol:
            fresh = await carol.open("encoding", "tab=Why+sinusoids")
            assert shown_k(fresh) == 250
        assert not (a.exceptions or b.exceptions or moved.exceptions or shown.exceptions)


def test_sessions_do_not_see_each_other(app_url):
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one
    # once a browser test has run, and asyncio.run refuses to start inside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, two_students(app_url)).result(timeout=120)
