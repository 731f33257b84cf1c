package dev.protostar.backend.security;

import jakarta.servlet.Filter;

/**
 * A filter that belongs in the API's security chain right after the access
 * token is checked, where the caller is known ({@link AuthenticatedUser} as
 * the principal, or anonymous). Another package declares one as a bean (the
 * rate limits) and the chain picks it up, so security needs to know nothing
 * of what it does. Its servlet registration should be disabled: Boot would
 * otherwise run it a second time outside the chain.
 */
public interface AuthenticatedRequestFilter extends Filter {
}
