"""The yardstick for ``bench_api.py``: a bare FastAPI JSON route, served like reskill.

The same uvicorn settings as ``reskill serve`` (one worker, the standard library's event
loop, no request log) and an ``async`` route returning a small dict: what the server and
the framework cost before any of reskill's work.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare() -> dict[str, str]:
    return {"status": "ok", "version": "bare"}
