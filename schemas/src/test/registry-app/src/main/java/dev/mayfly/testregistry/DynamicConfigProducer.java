package dev.mayfly.testregistry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;

import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/** The registry app expects a generated list of dynamic config properties (from an excluded index module): none here. */
@ApplicationScoped
public class DynamicConfigProducer {
    @Produces
    @ApplicationScoped
    DynamicConfigPropertyList dynamicConfigPropertyList() {
        return new DynamicConfigPropertyList(new java.util.ArrayList<>());
    }
}
