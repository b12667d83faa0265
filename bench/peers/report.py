"""The peers benchmark's markdown: one row per server variant, then the local/peer ratios.

Measured cells are keyed `(peer, variant)` -> `{cell name: WrkResult}`. The first table
gives each variant's requests/s per cell and its p50 at concurrency 1; the second gives,
per peer and cell, the local server's best variant over that peer's best variant
(requests/s; above 1 means the local server is faster). A cell left out of a run shows "-".

Example:
    .venv/bin/python bench/peers/run.py --peers local,kserve --cells b1c1,b32c1 --seconds 2
"""

from peers.spec import CELLS

LOCAL = "local"


def _cell_names(measured):
    present = {cell for cells in measured.values() for cell in cells}
    return [cell for cell in CELLS if cell in present]


def variants_table(measured):
    """The requests/s of every variant in every cell run, and p50 at concurrency 1.

    Args:
        measured: dict (peer, variant) -> {cell name: WrkResult}, in measuring order.

    Returns:
        list of str, the markdown lines.
    """
    cells = _cell_names(measured)
    latency = [cell for cell in cells if CELLS[cell][1] == 1]
    header = ["server", *(f"{cell} req/s" for cell in cells)]
    header += [f"{cell} p50 ms" for cell in latency]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for (peer, variant), results in measured.items():
        row = [f"{peer} {variant}"]
        row += [f"{results[c].requests_per_second:.0f}" if c in results else "-" for c in cells]
        row += [f"{results[c].p50_ms:.2f}" if c in results else "-" for c in latency]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def best(measured, peer, cell):
    """The highest requests/s any variant of `peer` reached in `cell`, or None if none ran."""
    rates = [
        results[cell].requests_per_second
        for (name, _), results in measured.items()
        if name == peer and cell in results
    ]
    return max(rates, default=None)


def ratios(measured):
    """Per peer and cell: the local server's best requests/s over the peer's best.

    Args:
        measured: dict (peer, variant) -> {cell name: WrkResult}.

    Returns:
        dict peer -> {cell name: float or None (a side not measured)}, peers in order.
    """
    peers = [peer for peer in dict.fromkeys(name for name, _ in measured) if peer != LOCAL]
    found = {}
    for peer in peers:
        found[peer] = {}
        for cell in _cell_names(measured):
            local, theirs = best(measured, LOCAL, cell), best(measured, peer, cell)
            found[peer][cell] = local / theirs if local and theirs else None
    return found


def ratios_table(measured):
    """The ratios of `ratios` as markdown lines; empty when no peer besides local ran."""
    found = ratios(measured)
    if not found:
        return []
    cells = _cell_names(measured)
    lines = [
        "| local best / peer best (req/s) | " + " | ".join(cells) + " |",
        "|---|" + "---:|" * len(cells),
    ]
    for peer, per_cell in found.items():
        values = [f"{per_cell[c]:.2f}x" if per_cell[c] is not None else "-" for c in cells]
        lines.append(f"| {peer} | " + " | ".join(values) + " |")
    return lines
