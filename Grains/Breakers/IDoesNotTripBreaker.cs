namespace Sonia.Grains.Breakers;

/// <summary>Marks an exception that says nothing bad about the dependency (it answered "no"): counted as a success.</summary>
public interface IDoesNotTripBreaker;
