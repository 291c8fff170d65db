"""The station network, server side: devices (station agents), their tokens, manifests, as-run delivery,
health and commands. The protocol is described in docs/network.md; the agent itself is broadcast/agent."""
