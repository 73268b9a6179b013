import { useState } from 'preact/hooks';
import type { Condition, Rule } from '../api.js';
import { PercentageInput, useLoad } from '../components.js';
import { move, OPERATORS, takesValue, toCondition, valueText } from '../logic/conditions.js';
import { addsUp, equalSplit, rebalance, total } from '../logic/weights.js';
import { api } from '../api.js';
import { usePlace } from '../place.js';

/** Conditions on a user's attributes, all of which must hold (rules and segments). */
export function ConditionsEditor({
  conditions,
  onChange,
  label,
}: {
  conditions: Condition[];
  onChange: (conditions: Condition[]) => void;
  label: string;
}) {
  const set = (i: number, condition: Condition) => onChange(conditions.map((c, j) => (j === i ? condition : c)));
  return (
    <fieldset>
      <legend>{label}</legend>
      {conditions.map((condition, i) => (
        <div class="row" key={i}>
          <label>
            Attribute
            <input
              required
              value={condition.attribute}
              onInput={(e) => set(i, { ...condition, attribute: e.currentTarget.value })}
            />
          </label>
          <label>
            Operator
            <select
              value={condition.operator}
              onChange={(e) => set(i, toCondition(condition.attribute, e.currentTarget.value, valueText(condition)))}
            >
              {OPERATORS.map((op) => (
                <option key={op}>{op}</option>
              ))}
            </select>
          </label>
          {takesValue(condition.operator) && (
            <ConditionValue condition={condition} number={i + 1} onChange={(next) => set(i, next)} />
          )}
          <button type="button" onClick={() => onChange(conditions.filter((_, j) => j !== i))}>
            Remove condition {i + 1}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...conditions, { attribute: '', operator: 'equals', value: '' }])}>
        Add condition
      </button>
    </fieldset>
  );
}

/**
 * A condition's value as the person types it. A list is parsed at every key (so a save takes it), but
 * the field keeps the typed text, commas and spaces included, until the person leaves it: redrawn
 * from the parsed list, "DE," became "DE" and the next key made "DEF". The parsed list shows as chips.
 */
function ConditionValue({
  condition,
  number,
  onChange,
}: {
  condition: Condition;
  number: number;
  onChange: (condition: Condition) => void;
}) {
  const [typed, setTyped] = useState<string | null>(null);
  const list = Array.isArray(condition.value) ? condition.value : undefined;
  return (
    <>
      <label>
        Value
        <input
          value={typed ?? valueText(condition)}
          onFocus={() => setTyped(valueText(condition))}
          onBlur={() => setTyped(null)}
          onInput={(e) => {
            setTyped(e.currentTarget.value);
            onChange(toCondition(condition.attribute, condition.operator, e.currentTarget.value));
          }}
        />
      </label>
      {list && list.length > 0 && (
        <ul class="tags chips" aria-label={`Values of condition ${number}`}>
          {list.map((item, i) => (
            <li key={i} class="tag">
              {String(item)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Ordered rules: drag one onto another (or use the arrows, from the keyboard) to reorder. */
export function RulesEditor({
  rules,
  variants,
  onChange,
}: {
  rules: Rule[];
  variants: string[];
  onChange: (rules: Rule[]) => void;
}) {
  const { project } = usePlace();
  const { data: segments } = useLoad(() => api.segments(project), [project]);
  const [dragged, setDragged] = useState<number | null>(null);
  const set = (i: number, patch: Partial<Rule>) => onChange(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <ol class="rules">
      {rules.map((rule, i) => (
        <li
          key={i}
          class="card"
          draggable
          onDragStart={() => setDragged(i)}
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            if (dragged !== null) onChange(move(rules, dragged, i));
            setDragged(null);
          }}
        >
          <div class="row">
            <strong>Rule {i + 1}</strong>
            <button
              type="button"
              aria-label={`Move rule ${i + 1} up`}
              disabled={i === 0}
              onClick={() => onChange(move(rules, i, i - 1))}
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={`Move rule ${i + 1} down`}
              disabled={i === rules.length - 1}
              onClick={() => onChange(move(rules, i, i + 1))}
            >
              ↓
            </button>
            <button type="button" onClick={() => onChange(rules.filter((_, j) => j !== i))}>
              Remove rule {i + 1}
            </button>
          </div>
          <label>
            Segment
            <select value={rule.segment ?? ''} onChange={(e) => set(i, { segment: e.currentTarget.value || null })}>
              <option value="">Any user</option>
              {segments?.map((s) => (
                <option key={s.name}>{s.name}</option>
              ))}
            </select>
          </label>
          <ConditionsEditor
            label={`Conditions of rule ${i + 1}`}
            conditions={rule.conditions}
            onChange={(conditions) => set(i, { conditions })}
          />
          <label>
            Percentage of matching users
            <PercentageInput
              value={rule.rollout_percentage}
              onText={(text) => set(i, { rollout_percentage: Number(text) })}
            />
          </label>
          {variants.length > 0 && (
            <fieldset>
              <legend>Variant split of rule {i + 1}</legend>
              {rule.variants.length === 0 ? (
                <button
                  type="button"
                  onClick={() =>
                    set(i, { variants: variants.map((key, j) => ({ key, weight: equalSplit(variants.length)[j] })) })
                  }
                >
                  Split this rule's users by its own weights
                </button>
              ) : (
                <>
                  {rule.variants.map((split, j) => (
                    <label key={split.key}>
                      {split.key} (%)
                      <input
                        type="number"
                        min={0}
                        max={100}
                        step={0.01}
                        value={split.weight}
                        onChange={(e) => {
                          const weights = rebalance(
                            rule.variants.map((v) => v.weight),
                            j,
                            Number(e.currentTarget.value),
                          );
                          set(i, { variants: rule.variants.map((v, k) => ({ key: v.key, weight: weights[k] })) });
                        }}
                      />
                    </label>
                  ))}
                  <p class={addsUp(rule.variants.map((v) => v.weight)) ? 'hint' : 'problem'}>
                    Total: {total(rule.variants.map((v) => v.weight))}%
                  </p>
                  <button type="button" onClick={() => set(i, { variants: [] })}>
                    Use the flag's weights
                  </button>
                </>
              )}
            </fieldset>
          )}
        </li>
      ))}
      <li class="add">
        <button
          type="button"
          onClick={() => onChange([...rules, { segment: null, conditions: [], rollout_percentage: 100, variants: [] }])}
        >
          Add rule
        </button>
      </li>
    </ol>
  );
}
