"""The per-frame path: sources and the newest-only frame slot, capture loop, frame normalisation, Haar
detection, face search, the LiteRT classifier, smoothing, the pipeline and the LiveSession that runs them.
Never imports TensorFlow or Keras (an import-linter contract)."""
