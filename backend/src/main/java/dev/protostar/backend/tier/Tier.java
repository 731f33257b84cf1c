package dev.protostar.backend.tier;

/**
 * What a user may do, in ascending order. Each tier includes everything the
 * ones below it may do (see the role hierarchy in SecurityConfiguration);
 * {@link #ADMIN} is above all of them.
 */
public enum Tier {

	/** Just signed up. */
	GUEST,

	/** Has used the service for a while; promoted automatically, see {@link TierPolicy}. */
	STARGAZER,

	/** Trusted user; granted by an admin unless its promotion rule is enabled. */
	PROTOSTAR,

	/** Manages users and tiers. */
	ADMIN;

	/** The Spring Security role of this tier, e.g. {@code ROLE_STARGAZER}. */
	public String role() {
		return "ROLE_" + name();
	}

	public boolean isAtLeast(Tier other) {
		return compareTo(other) >= 0;
	}

}
