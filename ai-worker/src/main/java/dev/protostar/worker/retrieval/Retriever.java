package dev.protostar.worker.retrieval;

import java.util.List;

import dev.protostar.contract.access.DocumentAccess;

/** Finds the passages that best answer a question among the documents a reader may see. */
public interface Retriever {

	/**
	 * The best passages for {@code question}, best first, at most {@code limit},
	 * drawn only from {@code ready} documents whose access level is at most
	 * {@code access}. An empty list when nothing matches.
	 */
	List<Passage> retrieve(String question, DocumentAccess access, int limit);

}
