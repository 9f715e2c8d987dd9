"""Reading Epoch AI's raw files: the build steps shared by ``fixtures/build.py`` and ``rankings data refresh``.

:mod:`.units` is the hand-written organisation registry (aliases, domains, groups,
countries, sectors) and Epoch's long country names; :mod:`.rows` turns one Epoch
notable-models table into ``models.csv`` rows and the benchmarked-models table into the
``eci`` rows of ``benchmarks.csv``. Importing this package imports pandas; the rest of
:mod:`rankings.data` never does.
"""
