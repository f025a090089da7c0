"""The paper's analyses, one module per section: stored results in, frames, figures and verdicts out.

stats (mean ± sd, sampling noise), figures (style, curves, panels), selection (a grid's stored runs),
then by section: transfer (4.1), noisy and filters (4.2), split (4.3), lookahead and cosine (4.4),
cost (4.5, time and memory), why_replay (the normalisation study).
"""
