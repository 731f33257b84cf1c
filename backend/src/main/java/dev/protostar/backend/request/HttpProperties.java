package dev.protostar.backend.request;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of the public HTTP API.
 *
 * @param maxBodySize largest request body accepted (env
 * {@code PROTOSTAR_MAX_BODY_SIZE}, default 256KB); larger ones are answered
 * 413 before a byte of JSON is parsed, so a huge body costs no parsing. Document
 * uploads, when they come, need their own, larger limit on their own path.
 */
@ConfigurationProperties("protostar.http")
record HttpProperties(@DefaultValue("256KB") DataSize maxBodySize) {
}
