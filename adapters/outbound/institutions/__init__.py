"""The institutions area's outbound adapters: the billing provider's customers."""
