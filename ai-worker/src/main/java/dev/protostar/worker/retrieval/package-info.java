/**
 * Finding the passages a question is answered from: hybrid retrieval over the
 * indexed chunks (pgvector kNN and a lexical ranking fused by reciprocal rank),
 * limited to the documents the asking user's tier may see.
 */
package dev.protostar.worker.retrieval;
