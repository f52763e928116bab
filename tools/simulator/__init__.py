"""A simulated charger fleet speaking OCPP 1.6J and 2.0.1 (client side of the `ocpp` library).

`python -m tools.simulator --scenario quiet-day --live` runs a scenario (who charges where and
when, what goes wrong) against the CSMS; `tools.simulator.simulation.Simulation` is the same
from Python. See README.md beside this file.
"""
