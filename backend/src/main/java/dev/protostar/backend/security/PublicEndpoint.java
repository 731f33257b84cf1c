package dev.protostar.backend.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an endpoint that anyone may call without a token, on purpose. It
 * changes nothing at run time (URL security permits everything and access is
 * decided by {@link RequiresTier}); it makes the decision visible and lets a
 * test find endpoints that carry neither annotation.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PublicEndpoint {

}
