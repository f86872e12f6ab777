/** Try the model: a text to the endpoint (normalised as the training data was), the top labels back. */
import { useState } from 'preact/hooks';
import type { LabelPrediction } from '../../../../shared/src/inference';
import { normalizeText } from '../../../../shared/src/normalize';
import type { Snapshot } from '../../data/store';
import { percent } from '../../data/format';
import { Code, ErrorNote, Section } from '../components';
import { useLive } from '../live';

const EXAMPLE = 'Clifford Thomas Ward was an English singer-songwriter and teacher who released eight albums';

export function TryPage({ snapshot }: { snapshot: Snapshot }) {
  const live = useLive();
  const [text, setText] = useState('');
  const [k, setK] = useState(3);
  const [answer, setAnswer] = useState<{ text: string; normalized: string; predictions: LabelPrediction[]; ms: number } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const endpoint = snapshot.endpoint;

  const ask = async (event: Event) => {
    event.preventDefault();
    const question = text.trim();
    if (!question) {
      setError('Type a text to classify.');
      return;
    }
    setBusy(true);
    setError(undefined);
    const started = performance.now();
    try {
      // The project's inference client (normalisation and its version check, BlazingText's JSON format), loaded when first used.
      const { TextClassifier } = await import('../../../../shared/src/inference');
      const predictions = await new TextClassifier(live.clients.runtime, snapshot.config.endpointName, live.clients.sagemaker).classifyOne(question, { k });
      setAnswer({ text: question, normalized: normalizeText(question), predictions, ms: performance.now() - started });
    } catch (failure) {
      setAnswer(undefined);
      setError(`${(failure as Error).name}: ${(failure as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Try the model" id="try">
      <p class="small">
        Endpoint <Code>{snapshot.config.endpointName}</Code>:{' '}
        {endpoint ? (
          <>
            <span class={`endpoint-status es-${endpoint.status}`}>{endpoint.status}</span>, serving <Code>{endpoint.configName}</Code>
          </>
        ) : (
          <span class="muted">not created yet: no model has been deployed</span>
        )}
      </p>
      <form class="try-form" onSubmit={ask}>
        <textarea
          name="text"
          rows={4}
          placeholder={EXAMPLE}
          value={text}
          aria-label="text to classify"
          onInput={(event) => setText((event.currentTarget as HTMLTextAreaElement).value)}
        />
        <div class="try-actions">
          <label class="small">
            top{' '}
            <select value={k} onChange={(event) => setK(Number((event.currentTarget as HTMLSelectElement).value))} aria-label="how many labels">
              {[1, 3, 5, 10].map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>{' '}
            labels
          </label>
          <button type="button" class="secondary" onClick={() => setText(EXAMPLE)}>
            example
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'asking…' : 'classify'}
          </button>
        </div>
      </form>
      <ErrorNote message={error} />
      {answer ? (
        <div class="answer" aria-label="predictions">
          <p class="muted small">
            sent as <span class="mono">{answer.normalized}</span> (normalised as the training data was) · {answer.ms.toFixed(0)} ms
          </p>
          <ol class="predictions">
            {answer.predictions.map((prediction) => (
              <li key={prediction.rawLabel} data-label={prediction.label}>
                <span class="label">{prediction.label}</span>
                <span class="bar wide">
                  <span class="bar-fill" style={{ width: `${(prediction.probability * 100).toFixed(1)}%` }} />
                </span>
                <span class="num">{percent(prediction.probability, 1)}</span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </Section>
  );
}
