"""Remote commands: requested over REST or Kafka, executed by the replica holding the charger."""
