"""Serving: the contract, the local TF Serving-compatible server, its clients and the demo.

Example:
    python -m serving.server --model_base_path serving/models/mnist
"""
