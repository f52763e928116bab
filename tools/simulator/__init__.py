"""A simulated charger fleet speaking OCPP 1.6J and 2.0.1 (client side of the `ocpp` library).

`python -m tools.simulator --seed-file deploy/local/chargers.json --url ws://127.0.0.1:9000/ocpp`
connects every charger of the seed file, keeps it online, runs charging sessions now and then
and answers the central system's remote commands.
"""
