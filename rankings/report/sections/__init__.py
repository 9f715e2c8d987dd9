"""The report's sections, one module each, in the order they appear on the page.

:mod:`.data`, :mod:`.methods`, :mod:`.bounds`, :mod:`.sweeps`, :mod:`.tipping`,
:mod:`.uncertainty`, :mod:`.rivals`, :mod:`.ternary`, :mod:`.gap`, :mod:`.provenance`. Each exposes one
``_..._section`` function returning an HTML fragment; :mod:`rankings.report.build` calls
them in order, each guarded so that a section that cannot run shows a note instead.
"""
