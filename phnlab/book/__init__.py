"""What the chapters share: their checked parameters, their runs, sliders that work in static pages,
and the stream grids."""
