package dev.protostar.worker.retrieval;

import java.util.Arrays;
import java.util.List;

/**
 * A document's access level, as stored in {@code documents.access_level} and as
 * the backend's tiers grant it (backend {@code tier/DocumentAccess}). Ascending:
 * each level includes the ones below it.
 */
public enum DocumentAccess {

	PUBLIC, INTERNAL, CONFIDENTIAL;

	/** The levels a reader granted this one may see: itself and every level below. */
	public List<DocumentAccess> visible() {
		return Arrays.asList(values()).subList(0, ordinal() + 1);
	}

}
