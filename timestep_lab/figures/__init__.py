"""Figure functions: arrays in, figures out (plotly for the app, matplotlib for PNG export)."""
