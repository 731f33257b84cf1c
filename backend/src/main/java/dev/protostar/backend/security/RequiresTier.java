package dev.protostar.backend.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.security.access.prepost.PreAuthorize;

import dev.protostar.backend.tier.Tier;

/**
 * The one way an endpoint states who may call it: an authenticated user of at
 * least this tier (higher tiers included through the role hierarchy).
 * Anonymous callers get 401, users below the tier 403. Every controller method
 * under /api carries this or {@link PublicEndpoint}; a test checks it.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@PreAuthorize("hasRole('{value}')")
public @interface RequiresTier {

	Tier value();

}
