package dev.protostar.backend.health;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Identity of this deployment.
 *
 * @param color blue/green slot this instance runs in (env {@code COLOR}); the
 * deploy tooling reads it back to tell which slot answers behind nginx
 * @param version release this instance runs (env {@code PROTOSTAR_VERSION});
 * defaults to the Maven project version so a plain jar still reports one
 */
@ConfigurationProperties("protostar")
record ProtostarProperties(String color, String version) {
}
