"""The local server against the model servers users pick, under one load generator (wrk).

One module per peer (its pinned versions, how it is started, and the server written the
way that peer's docs write a custom model), the local server as the peer "local", and
the pieces the runner shares: venvs, launch, protocols, answer check, wrk and the report.

Example:
    .venv/bin/python bench/peers/run.py --peers local,litserve --cells b1c1 --seconds 2
"""
