"""The table and goal checks of bench/serve_speed.py, from its measured cells.

A cell is keyed `(server, api, batching, batch, concurrency)`: server "in-process"
(api and batching "-"), "tutorial" (REST, batching "-"), "local" (gRPC, REST or "v2 REST",
batching "off" or "on") or "local TF Lite" (batching "off"). Every goal is a ratio of two
cells of the same run.

Example:
    python bench/serve_speed.py --requests 500 --warmup 50
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Goal:
    """One goal: what it compares, the measured ratio and the ratio it must reach."""

    name: str
    ratio: float
    target: float
    higher_is_better: bool = True

    @property
    def met(self):
        """Whether the measured ratio reaches the target."""
        if self.higher_is_better:
            return self.ratio >= self.target
        return self.ratio <= self.target

    def line(self):
        """The goal as a markdown list item."""
        sign = ">=" if self.higher_is_better else "<="
        verdict = "met" if self.met else "**missed**"
        return f"- {self.name}: {self.ratio:.2f}x (goal {sign} {self.target}x): {verdict}"


def table(cells):
    """The markdown table of every cell, in measuring order.

    Args:
        cells: dict (server, api, batching, batch, concurrency) -> LoadResult.

    Returns:
        list of str, one line each.
    """
    lines = [
        "| server | API | batching | batch | concurrency | requests/s | p50 ms | p99 ms | failed |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (server, api, batching, size, conc), result in cells.items():
        lines.append(
            f"| {server} | {api} | {batching} | {size} | {conc} "
            f"| {result.requests_per_second:.0f} | {result.percentile_ms(50):.2f} "
            f"| {result.percentile_ms(99):.2f} | {len(result.failures)} |"
        )
    return lines


def goals(cells):
    """The serving goals, each a ratio of two cells; goals whose cells were not run are left out.

    Args:
        cells: dict (server, api, batching, batch, concurrency) -> LoadResult.

    Returns:
        list of Goal.
    """
    # (name, measure, numerator cell, denominator cell, target)
    specs = [
        (f"{api} batch 1, concurrency 16: batching on / off requests/s", "rate",
         ("local", api, "on", 1, 16), ("local", api, "off", 1, 16), 3.0)
        for api in ("gRPC", "REST")
    ]  # fmt: skip
    for size in (1, 32):
        specs.append(
            (f"REST batch {size}, concurrency 16: local with batching / tutorial requests/s",
             "rate", ("local", "REST", "on", size, 16), ("tutorial", "REST", "-", size, 16), 3.0)
        )  # fmt: skip
        specs.append(
            (f"REST batch {size}, concurrency 1: local p50 / tutorial p50", "p50",
             ("local", "REST", "off", size, 1), ("tutorial", "REST", "-", size, 1), 1.0)
        )  # fmt: skip
    for batching in ("off", "on"):
        for size in (1, 32):
            for conc in (1, 16):
                specs.append(
                    (f"batching {batching}, batch {size}, concurrency {conc}: gRPC / REST "
                     "requests/s", "rate", ("local", "gRPC", batching, size, conc),
                     ("local", "REST", batching, size, conc), 1.0)
                )  # fmt: skip
    found = []
    for name, measure, numerator, denominator, target in specs:
        top, bottom = _value(cells, measure, numerator), _value(cells, measure, denominator)
        if top is not None and bottom is not None:
            found.append(Goal(name, top / bottom, target, higher_is_better=measure == "rate"))
    return found


def _value(cells, measure, key):
    # A cell's requests/s ("rate") or p50 ms ("p50"); None for a cell that was not run.
    if key not in cells:
        return None
    return cells[key].requests_per_second if measure == "rate" else cells[key].percentile_ms(50)
