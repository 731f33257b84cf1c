package dev.protostar.backend.tier;

/**
 * Which documents answers may draw on, in ascending order; each level includes
 * the ones below it. Documents get a level when they are uploaded.
 */
public enum DocumentAccess {

	PUBLIC, INTERNAL, CONFIDENTIAL

}
