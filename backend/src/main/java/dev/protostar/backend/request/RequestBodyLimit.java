package dev.protostar.backend.request;

import org.springframework.util.unit.DataSize;

/**
 * A larger body limit for one endpoint than {@link HttpProperties#maxBodySize()}
 * (a document upload). Declared as a bean by the feature that needs it;
 * {@link RequestBodyLimitFilter} applies it to requests with exactly this
 * method and path, and the general limit to every other request.
 *
 * @param method the HTTP method, e.g. {@code POST}
 * @param path the request path, e.g. {@code /api/admin/documents}
 * @param maxBodySize the largest body accepted there
 */
public record RequestBodyLimit(String method, String path, DataSize maxBodySize) {

	String key() {
		return this.method + " " + this.path;
	}

}
