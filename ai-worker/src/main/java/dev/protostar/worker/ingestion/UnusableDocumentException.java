package dev.protostar.worker.ingestion;

/**
 * The document cannot be ingested as it is (empty, corrupt, unsupported, too large):
 * another attempt would fail the same way, so the document becomes {@code failed} with
 * this message as its reason, written for the person who uploaded it.
 */
class UnusableDocumentException extends Exception {

	UnusableDocumentException(String message) {
		super(message);
	}

	UnusableDocumentException(String message, Throwable cause) {
		super(message, cause);
	}

}
