"""{% legacy_circuit connection %}: a banner on every page of a connection while its legacy store's circuit is
not closed (identity.circuit), so an outage is seen where the connection is managed."""

from django import template

from identity import circuit

register = template.Library()


@register.inclusion_tag("identity/_legacy_circuit.html")
def legacy_circuit(connection, active=""):
    """The banner while open; on the Settings tab also a line with the thresholds while closed."""
    state = circuit.circuit_state(connection=connection) if connection.use_own_database else None
    return {"circuit": state, "detailed": active == "settings", "connection": connection}
