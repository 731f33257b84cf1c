package dev.protostar.backend.observability;

import ch.qos.logback.core.boolex.PropertyConditionBase;

/**
 * A logback-spring.xml condition (logback's Janino-free {@code <condition>}):
 * true when the named property is set to something other than blanks. Spring's
 * {@code <springProperty>} defines a property even when its value is empty (as
 * {@code ${LOKI_URL:}} is by default), so logback's own IsPropertyDefinedCondition
 * cannot tell "no Loki" from "Loki at this URL". Public for logback, which
 * creates it by reflection.
 */
public class NonBlankPropertyCondition extends PropertyConditionBase {

	private String key;

	public void setKey(String key) {
		this.key = key;
	}

	public String getKey() {
		return this.key;
	}

	@Override
	public void start() {
		if (this.key == null) {
			addError("NonBlankPropertyCondition needs a <key>");
			return;
		}
		super.start();
	}

	@Override
	public boolean evaluate() {
		String value = property(this.key);
		return value != null && !value.isBlank();
	}

}
