"""The paper's analyses, one module per section: stored results in, frames, figures and verdicts out.

claims (verdicts as records), stats (mean ± sd, sampling noise), figures (style, curves, panels),
selection (a grid's stored runs); then by section: sizes (the model, Tables 3 and 6), transfer (4.1),
noisy and filters (4.2), split (4.3), lookahead and cosine (4.4), cost (time and memory), and the
normalisation study: why_replay and replay_regime.
"""
