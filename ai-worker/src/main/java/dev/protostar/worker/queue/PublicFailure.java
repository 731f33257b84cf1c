package dev.protostar.worker.queue;

/**
 * A failure that knows what the user may be told about it: a result code from the
 * backend's vocabulary ({@code ResultCode}: {@code SERVICE_UNAVAILABLE},
 * {@code RATE_LIMITED}, {@code INTERNAL_ERROR}, …) and a message without internals. The
 * worker puts both into the {@code retrying} and {@code failed} events of a job whose
 * exception (or one of its causes) implements this; any other failure is reported as
 * {@code INTERNAL_ERROR}.
 */
public interface PublicFailure {

	/** A result code the backend's API also answers with, so clients branch on one vocabulary. */
	String resultCode();

	/** What the user is told: short, and never a stack trace, a host name or SQL. */
	String publicMessage();

	/** The code and message of the first {@link PublicFailure} in the cause chain, or the generic ones. */
	static PublicFailure of(Throwable failure) {
		for (Throwable t = failure; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (t instanceof PublicFailure known) {
				return known;
			}
		}
		return GENERIC;
	}

	/** What a failure that says nothing about itself is reported as. */
	PublicFailure GENERIC = new PublicFailure() {

		@Override
		public String resultCode() {
			return "INTERNAL_ERROR";
		}

		@Override
		public String publicMessage() {
			return "the job failed";
		}

	};

}
