namespace Librecast.Sensors;

/// <summary>
/// One measured quantity, named and with its unit as SenML (RFC 8428) writes them:
/// <c>temperature</c>/<c>Cel</c>, <c>humidity</c>/<c>%RH</c>, <c>pressure</c>/<c>Pa</c>,
/// <c>illuminance</c>/<c>lx</c>.
/// </summary>
/// <param name="Name">SenML record name, appended to the node's base name.</param>
/// <param name="Unit">SenML unit symbol.</param>
/// <param name="Value">The value in that unit.</param>
/// <param name="Decimals">Decimals worth publishing (the sensor's resolution).</param>
public readonly record struct Reading(string Name, string Unit, double Value, int Decimals);
