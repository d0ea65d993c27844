import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaToolDir } from './kafka-jars';

describe('kafkaToolDir', () => {
  it('should find tools/kafka when started from its own source folder', () => {
    const dir = kafkaToolDir(__dirname);
    expect(existsSync(join(dir, 'pom.xml'))).toBe(true);
    expect(dir).toBe(join(__dirname, '..'));
  });

  it('should find the same folder when started from the compiled output', () => {
    const compiled = join(__dirname, '..', '..', '..', 'dist', 'tools', 'kafka', 'src');
    expect(kafkaToolDir(compiled)).toBe(join(__dirname, '..'));
  });

  it('should fail with a clear message when no repository is above', () => {
    expect(() => kafkaToolDir('/')).toThrow(/tools\/kafka\/pom.xml not found/);
  });
});
