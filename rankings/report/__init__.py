"""Pictures and reports. Importing this package does not import matplotlib;
:mod:`rankings.report.plots` does, and is imported only when a plot is asked for."""
