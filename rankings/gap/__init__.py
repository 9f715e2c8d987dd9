"""Head against depth of two sides over time: is the gap between two countries or contributors closed?

:func:`gap_analysis` measures two sides (``by="country"``: "United States" and China;
``by="contributor"``: Alibaba and OpenAI) at each date: the best model by ECI and by Arena
score (head), the k-th best, the count near the overall frontier and the median of the top ten
(depth), the open-weight share and the best open against the best closed model (openness), and
the best score within a price and the cheapest price reaching a score (price-performance); and
the first date one side's depth measure reached the other's (crossovers). Every value carries
its interval and its source, parity is stated only where the intervals overlap, and a measure
with too few models says so. Modules: :mod:`.models` (the entries of each side), :mod:`.measures`
(one measure, one comparison), :mod:`.analysis` (the dates and crossovers), :mod:`.result`.
"""

from __future__ import annotations

from rankings.gap.analysis import DELTA, KS, data_range, gap_analysis, quarter_ends
from rankings.gap.measures import Point
from rankings.gap.result import GapResult, Row

__all__ = ["gap_analysis", "GapResult", "Row", "Point", "KS", "DELTA", "data_range", "quarter_ends"]
