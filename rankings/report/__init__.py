"""Pictures and the HTML report. Importing this package does not import matplotlib;
:mod:`rankings.report.plots` does, and is imported only when a plot is asked for.

- :mod:`.plots`: every chart (bump chart, gap bars, sweep steps, ternary map, sensitivity plots);
- :mod:`.render`: figures without pyplot, written whole; a PNG is drawn once and cropped;
- :mod:`.fork`: the sampled sections built in a forked child meanwhile (Linux, no Dask engine);
- :mod:`.build`: :func:`~rankings.report.build.build_report`, which runs the sections and fills
  the page;
- :mod:`.sections`: one module per report section, in page order;
- :mod:`.parts`: escaping, number formats, HTML tables and inline figures shared by the sections;
- :mod:`.template`: the stylesheet and the HTML skeleton.
"""
