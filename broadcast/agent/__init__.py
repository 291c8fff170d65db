"""The station agent (``broadcast agent``): keeps its station's programme and audio locally, delivers its
as-run rows through a local outbox, reports its health over MQTT (docs/network.md). It never imports
Flask and never opens the server's database: everything goes through the agent API."""

AGENT_VERSION = "1.0.0"
