/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  MicroTime,
  ObjectMeta,
  ObjectReference,
  Time,
} from "./common.js";

/**
 * A report of an event somewhere in the cluster (core/v1).
 */
export interface Event {
  apiVersion: "v1";
  kind: "Event";
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  /**
   * Short, machine understandable UpperCamelCase reason for the transition, e.g. Scheduled, Pulled, BackOff.
   */
  reason?: string;
  /**
   * Human-readable description of the status of this operation.
   */
  message?: string;
  source?: EventSource;
  firstTimestamp?: Time;
  lastTimestamp?: Time;
  /**
   * Number of times this event has occurred.
   */
  count?: number;
  /**
   * Normal or Warning.
   */
  type?: string;
  eventTime?: MicroTime;
  series?: EventSeries;
  /**
   * What action was taken/failed regarding the involved object.
   */
  action?: string;
  related?: ObjectReference;
  /**
   * Name of the controller that emitted this event, e.g. gitplane.io/scheduler.
   */
  reportingComponent?: string;
  /**
   * ID of the controller instance, e.g. the node name.
   */
  reportingInstance?: string;
}
/**
 * The component reporting this event.
 */
export interface EventSource {
  component?: string;
  host?: string;
}
export interface EventSeries {
  count?: number;
  lastObservedTime?: MicroTime;
}
