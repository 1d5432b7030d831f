"""Start and stop a throwaway Redis server on a free loopback port (tests and benchmarks).

Debian's ``redis-server`` (scripts/test.sh installs it when missing). Nothing is saved to
disk, and the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
import subprocess
import time

from benchmarks.streamlit_client import free_port

REDIS_SERVER = "redis-server"


def redis_server_path() -> str | None:
    return shutil.which(REDIS_SERVER) or shutil.which("/usr/bin/redis-server")


def start_redis(port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start redis-server on loopback; returns (process, ``redis://127.0.0.1:PORT/0``)."""
    path = redis_server_path()
    if path is None:
        raise RuntimeError(
            "redis-server not found: install Debian's redis-server "
            "(apt-get install -y redis-server; scripts/test.sh does it)"
        )
    port = port or free_port()
    process = subprocess.Popen(
        [
            path,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with status {process.returncode}")
        try:
            if client.ping():
                client.close()
                return process, url
        except redis.RedisError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not answer within 20 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
