package dev.protostar.worker.embedding;

/**
 * An embedding failed. Retryable: the server was unreachable, overloaded or timed out.
 * Not retryable: the request itself was refused (bad key, unknown model, input too
 * long) or the answer cannot be used (wrong dimension), so another try changes nothing.
 */
public class EmbeddingException extends RuntimeException {

	private final boolean retryable;

	public EmbeddingException(String message, boolean retryable) {
		super(message);
		this.retryable = retryable;
	}

	public EmbeddingException(String message, boolean retryable, Throwable cause) {
		super(message, cause);
		this.retryable = retryable;
	}

	public boolean retryable() {
		return this.retryable;
	}

}
