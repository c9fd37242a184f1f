"""The bus port: publishing stored events and consuming them, on Kafka or embedded."""
