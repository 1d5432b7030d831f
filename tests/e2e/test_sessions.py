"""Many students on one server: each session keeps its own view (protocol-level, real server)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from benchmarks.streamlit_client import Session


def vector_heading(result) -> str:
    return next(t for t in result.texts if "the network receives" in t)


async def two_students(url: str) -> None:
    async with Session(url) as alice, Session(url) as bob:
        await alice.open("encoding", "k=123")
        await bob.open("encoding", "k=456")
        moved = await alice.set("k", 124)
        assert vector_heading(moved) == "2 · The vector P(124) the network receives"
        # Bob's next rerun (another control) still shows his own k, not Alice's.
        shown = await bob.set("layout", "ddpm")
        assert vector_heading(shown) == "2 · The vector P(456) the network receives"
        # Both move at the same moment: each sees only their own value.
        a, b = await asyncio.gather(alice.set("k", 7), bob.set("k", 900))
        assert vector_heading(a) == "2 · The vector P(7) the network receives"
        assert vector_heading(b) == "2 · The vector P(900) the network receives"
        # A newcomer gets the defaults, not what the others chose.
        async with Session(url) as carol:
            fresh = await carol.open("encoding")
            assert "2 · The vector P(250) the network receives" in fresh.texts
        assert not (a.exceptions or b.exceptions or moved.exceptions or shown.exceptions)


def test_sessions_do_not_see_each_other(app_url):
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one
    # once a browser test has run, and asyncio.run refuses to start inside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, two_students(app_url)).result(timeout=120)
