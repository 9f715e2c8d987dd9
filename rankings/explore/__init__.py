"""The explore page: one self-contained HTML file that re-ranks in the browser.

- :mod:`.payload`: what the page embeds (one table per precomputed lens, the parameters of
  every normalisation and aggregation the page computes, rank bounds with their witness
  weights and a seeded rank-acceptability run);
- :mod:`.page`: :func:`~rankings.explore.page.build_page` and :func:`~rankings.explore.page.write_page`,
  which fill the HTML skeleton with the payload and the three assets;
- ``formulas.js``: the one JavaScript definition of each normalisation, aggregation, the tie
  rule and the exact sweep (tested against the Python ones); ``explore.js`` and
  ``explore.css``: the page itself.
"""
